/**
 * The import graph of the source tree, read with the TypeScript parser (not regular expressions, so
 * comments and strings that look like imports are not counted): every static `import`/`export … from`,
 * dynamic `import('…')`, `import('…')` type, and `new URL('…', import.meta.url)` or
 * `moduleUrl('…', import.meta.url)` (src/source-url.ts; how src/ names a worker entry), each with its line and its resolved target (a repository-relative path, or the bare
 * specifier of a package or `node:` module). Also the uses of clock/timer/process globals, which pure
 * protocol code must not touch. test/unit/layering.test.ts states the rules over this graph.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

export type EdgeKind = 'import' | 'import type' | 'export from' | 'dynamic import' | 'type import()' | 'file URL';

export interface ImportEdge {
  /** Importing file, repository-relative with `/` separators. */
  readonly from: string;
  /** The specifier as written. */
  readonly specifier: string;
  /** Repository-relative path for a relative specifier, else the specifier itself (`node:net`, `werift`). */
  readonly target: string;
  readonly kind: EdgeKind;
  readonly line: number;
}

export interface GlobalUse {
  readonly file: string;
  /** `setTimeout`, `process`, `Date.now`, `new Date()`… */
  readonly name: string;
  readonly line: number;
}

export interface ParsedFile {
  readonly path: string;
  readonly edges: readonly ImportEdge[];
  readonly globals: readonly GlobalUse[];
}

/** Globals that read the clock, schedule work or reach the process: none belongs in pure protocol code. */
const WATCHED_GLOBALS = new Set([
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'process',
  'performance',
  'fetch',
  'require',
]);

function isRelative(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../');
}

function resolveTarget(from: string, spec: string): string {
  return isRelative(spec) ? posix.normalize(posix.join(posix.dirname(from), spec)) : spec;
}

function stringArg(node: ts.Node | undefined): string | undefined {
  return node !== undefined && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;
}

function isImportMetaUrl(node: ts.Node | undefined): boolean {
  return (
    node !== undefined &&
    ts.isPropertyAccessExpression(node) &&
    node.name.text === 'url' &&
    ts.isMetaProperty(node.expression) &&
    node.expression.keywordToken === ts.SyntaxKind.ImportKeyword
  );
}

/** An identifier that names a global binding here (not a property name, a declaration or a key). */
function isValueReference(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if (ts.isPropertyAssignment(p) && p.name === id) return false;
  if ((ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodSignature(p)) && p.name === id) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isFunctionDeclaration(p) || ts.isBindingElement(p)) && p.name === id) return false;
  if (ts.isImportSpecifier(p) || ts.isExportSpecifier(p) || ts.isImportClause(p) || ts.isNamespaceImport(p)) return false;
  if (ts.isTypeReferenceNode(p) || ts.isQualifiedName(p) || ts.isTypeQueryNode(p)) return false;
  return true;
}

function bindingNames(name: ts.BindingName, into: Set<string>): void {
  if (ts.isIdentifier(name)) into.add(name.text);
  else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bindingNames(element.name, into);
}

/** The names a node opens a scope for (parameters, block-level declarations, imports), if it opens one. */
function declaredIn(node: ts.Node): Set<string> | undefined {
  const names = new Set<string>();
  if (ts.isFunctionLike(node)) {
    for (const p of node.parameters) bindingNames(p.name, names);
    return names;
  }
  if (ts.isCatchClause(node)) {
    if (node.variableDeclaration !== undefined) bindingNames(node.variableDeclaration.name, names);
    return names;
  }
  if ((ts.isForStatement(node) || ts.isForOfStatement(node) || ts.isForInStatement(node)) && node.initializer !== undefined && ts.isVariableDeclarationList(node.initializer)) {
    for (const d of node.initializer.declarations) bindingNames(d.name, names);
    return names;
  }
  if (!(ts.isSourceFile(node) || ts.isBlock(node) || ts.isModuleBlock(node))) return undefined;
  for (const st of node.statements) {
    if (ts.isVariableStatement(st)) for (const d of st.declarationList.declarations) bindingNames(d.name, names);
    else if ((ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) && st.name !== undefined) names.add(st.name.text);
    else if (ts.isImportDeclaration(st) && st.importClause !== undefined) {
      const clause = st.importClause;
      if (clause.name !== undefined) names.add(clause.name.text);
      const bindings = clause.namedBindings;
      if (bindings !== undefined) {
        if (ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
        else for (const e of bindings.elements) names.add(e.name.text);
      }
    }
  }
  return names;
}

/** Parses one file's source; `path` is repository-relative with `/` separators. */
export function parseFile(path: string, source: string): ParsedFile {
  const sf = ts.createSourceFile(path, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  const globals: GlobalUse[] = [];
  const lineOf = (node: ts.Node): number => sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
  const edge = (node: ts.Node, specifier: string, kind: EdgeKind): void => {
    edges.push({ from: path, specifier, target: resolveTarget(path, specifier), kind, line: lineOf(node) });
  };
  // Names declared in an enclosing scope shadow globals of the same name (a parameter called `process`…).
  const scopes: Set<string>[] = [];
  const shadowed = (name: string): boolean => scopes.some((scope) => scope.has(name));
  const visit = (node: ts.Node): void => {
    const scope = declaredIn(node);
    if (scope !== undefined) scopes.push(scope);
    if (ts.isImportDeclaration(node)) {
      const spec = stringArg(node.moduleSpecifier);
      const clause = node.importClause;
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      if (spec !== undefined) edge(node, spec, typeOnly ? 'import type' : 'import');
    } else if (ts.isExportDeclaration(node)) {
      const spec = stringArg(node.moduleSpecifier);
      if (spec !== undefined) edge(node, spec, 'export from');
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const spec = stringArg(node.arguments[0]);
      if (spec !== undefined) edge(node, spec, 'dynamic import');
    } else if (ts.isImportTypeNode(node)) {
      const arg = node.argument;
      if (ts.isLiteralTypeNode(arg)) {
        const spec = stringArg(arg.literal);
        if (spec !== undefined) edge(node, spec, 'type import()');
      }
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'URL') {
      const spec = stringArg(node.arguments?.[0]);
      if (spec !== undefined && isImportMetaUrl(node.arguments?.[1])) edge(node, spec, 'file URL');
    } else if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'moduleUrl') {
      // src/source-url.ts: the same file URL, `.ts` in the sources and `.js` once built.
      const spec = stringArg(node.arguments[0]);
      if (spec !== undefined && isImportMetaUrl(node.arguments[1])) edge(node, spec, 'file URL');
    }
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && (node.arguments === undefined || node.arguments.length === 0)) {
      if (!shadowed('Date')) globals.push({ file: path, name: 'new Date()', line: lineOf(node) });
    } else if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'Date' && node.name.text === 'now') {
      if (!shadowed('Date')) globals.push({ file: path, name: 'Date.now', line: lineOf(node) });
    } else if (ts.isIdentifier(node) && WATCHED_GLOBALS.has(node.text) && !shadowed(node.text) && isValueReference(node)) {
      globals.push({ file: path, name: node.text, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
    if (scope !== undefined) scopes.pop();
  };
  visit(sf);
  return { path, edges, globals };
}

/** Every `.ts` file under the given top-level folders of `root`, parsed; paths relative to `root`. */
export function readTree(root: string, folders: readonly string[]): ParsedFile[] {
  const files: ParsedFile[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const abs = join(dir, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const path = relative(root, abs).split(sep).join('/');
        files.push(parseFile(path, readFileSync(abs, 'utf8')));
      }
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return files;
}
