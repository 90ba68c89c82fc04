// manifestDiagnostics.ts - problems of multiverse.json documents in the
// Problems panel, kept up to date as they are edited.

import * as path from 'node:path';
import * as vscode from 'vscode';
import { MANIFEST_FILE, parseManifest } from '../core/manifest';
import { placeableCalls } from '../core/root';

export function isManifest(doc: vscode.TextDocument): boolean {
  return doc.uri.scheme === 'file' && path.basename(doc.uri.fsPath) === MANIFEST_FILE;
}

/** Publishes the manifest's validation problems for DOC. */
export function checkManifest(doc: vscode.TextDocument, collection: vscode.DiagnosticCollection): void {
  if (!isManifest(doc)) return;
  const { problems } = parseManifest(doc.getText(), { placeable: placeableCalls() });
  collection.set(
    doc.uri,
    problems.map((p) => {
      const range = new vscode.Range(doc.positionAt(p.range.start), doc.positionAt(p.range.end));
      const d = new vscode.Diagnostic(
        range,
        p.path ? `${p.path}: ${p.message}` : p.message,
        p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning,
      );
      d.source = 'multiverse';
      return d;
    }),
  );
}

/** Watches open, edited and closed manifests. */
export function registerManifestDiagnostics(context: vscode.ExtensionContext): vscode.DiagnosticCollection {
  const collection = vscode.languages.createDiagnosticCollection('multiverse');
  context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument((d) => checkManifest(d, collection)),
    vscode.workspace.onDidChangeTextDocument((e) => checkManifest(e.document, collection)),
    vscode.workspace.onDidCloseTextDocument((d) => isManifest(d) && collection.delete(d.uri)),
  );
  vscode.workspace.textDocuments.forEach((d) => checkManifest(d, collection));
  return collection;
}
