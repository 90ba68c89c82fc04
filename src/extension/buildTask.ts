// buildTask.ts - the build as a VS Code task: output in a terminal, gcc
// diagnostics in the Problems panel through the "mvcc" problem matcher,
// cancellable.

import * as vscode from 'vscode';
import type { BuildPlan } from '../core/build';

export const TASK_TYPE = 'multiverse';
export const PROBLEM_MATCHER = '$mvcc';

export interface MultiverseTaskDefinition extends vscode.TaskDefinition {
  readonly type: typeof TASK_TYPE;
  readonly command: 'hybridize';
}

/** The task that runs PLAN in FOLDER. */
export function buildTask(folder: vscode.WorkspaceFolder, plan: BuildPlan): vscode.Task {
  const definition: MultiverseTaskDefinition = { type: TASK_TYPE, command: 'hybridize' };
  const task = new vscode.Task(
    definition,
    folder,
    'hybridize',
    'multiverse',
    new vscode.ShellExecution(plan.command, { cwd: plan.cwd, env: plan.env }),
    [PROBLEM_MATCHER],
  );
  task.group = vscode.TaskGroup.Build;
  task.presentationOptions = {
    reveal: vscode.TaskRevealKind.Always,
    panel: vscode.TaskPanelKind.Dedicated,
    clear: true,
    showReuseMessage: false,
  };
  return task;
}

export interface TaskOutcome {
  /** Exit status; undefined when the task was cancelled or never started a process. */
  readonly exitCode: number | undefined;
  readonly cancelled: boolean;
}

/** Runs TASK and resolves when its process ends; cancelling the token terminates it. */
export async function runTask(task: vscode.Task, token?: vscode.CancellationToken): Promise<TaskOutcome> {
  const disposables: vscode.Disposable[] = [];
  const exitCodes = new Map<vscode.TaskExecution, number | undefined>();
  const ended = new Set<vscode.TaskExecution>();
  let execution: vscode.TaskExecution | undefined;
  let cancelled = false;
  let finish: (() => void) | undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const check = () => {
    if (execution && ended.has(execution)) finish?.();
  };
  disposables.push(
    vscode.tasks.onDidEndTaskProcess((e) => exitCodes.set(e.execution, e.exitCode)),
    // onDidEndTask follows the process end; it also fires when no process started.
    vscode.tasks.onDidEndTask((e) => {
      ended.add(e.execution);
      check();
    }),
  );
  try {
    execution = await vscode.tasks.executeTask(task);
    check();
    if (token) {
      disposables.push(
        token.onCancellationRequested(() => {
          cancelled = true;
          execution?.terminate();
        }),
      );
      if (token.isCancellationRequested) {
        cancelled = true;
        execution.terminate();
      }
    }
    await done;
    return { exitCode: cancelled ? undefined : exitCodes.get(execution), cancelled };
  } finally {
    disposables.forEach((d) => d.dispose());
  }
}

/** Offers the hybridize task in "Tasks: Run Task" for each folder that can be built. */
export class HybridizeTaskProvider implements vscode.TaskProvider {
  constructor(private readonly plan: (folder: vscode.WorkspaceFolder) => Promise<BuildPlan | undefined>) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const tasks: vscode.Task[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      const plan = await this.plan(folder).catch(() => undefined);
      if (plan) tasks.push(buildTask(folder, plan));
    }
    return tasks;
  }

  async resolveTask(task: vscode.Task): Promise<vscode.Task | undefined> {
    const folder = task.scope;
    if (typeof folder !== 'object' || task.definition.type !== TASK_TYPE) return undefined;
    const plan = await this.plan(folder).catch(() => undefined);
    return plan ? buildTask(folder, plan) : undefined;
  }
}
