// vscode-stub.cjs - the few parts of the 'vscode' API that extension modules
// touch when they are loaded (not when their VS Code paths run), for unit tests.
class EventEmitter {
  listeners = [];
  event = (fn) => {
    this.listeners.push(fn);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== fn)) };
  };
  fire(v) {
    for (const l of this.listeners) l(v);
  }
  dispose() {
    this.listeners = [];
  }
}
module.exports = {
  EventEmitter,
  StatusBarAlignment: { Left: 1, Right: 2 },
  window: {},
  workspace: {},
  languages: {},
  tasks: {},
  commands: {},
};
