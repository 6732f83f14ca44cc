/**
 * Generates the model API's declarations with the TypeScript compiler: the `.d.ts` of the
 * DSL module (what model files import as `'strata'`) and of every engine module its types
 * reach, laid out as an npm package `strata` so that an editor resolving modules the Node
 * way finds them. JSDoc is kept: it is what the editor shows on hover and in completion.
 *
 * TypeScript is a development dependency; a packaged app reads the declarations written by
 * scripts/model-api-declarations.mjs instead of loading this module.
 */
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { strataVersion } from '../version.js';
import { layerDocumentation } from './layer-docs.js';

/** Where the declarations live in the editor's virtual file system, relative to its root. */
export const PACKAGE_DIR = 'node_modules/strata';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const dslFile = join(repoRoot, 'electron/engine/frontends/dsl.ts');
const layersFile = join(repoRoot, 'electron/engine/layers/index.ts');
/** Emitted files are named under this folder, then renamed under PACKAGE_DIR; nothing is written. */
const emitDir = join(repoRoot, '.strata-declarations');

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  skipLibCheck: true,
  types: ['node'],
  declaration: true,
  emitDeclarationOnly: true,
  // The engine is type-checked by `npm run typecheck`; here only the declarations are wanted.
  noCheck: true,
  rootDir: repoRoot,
  outDir: emitDir,
};

export function generateModelApiDeclarations(): { files: Record<string, string> } {
  const program = ts.createProgram([dslFile], COMPILER_OPTIONS);
  const docs = layerDocumentation(program, layersFile);
  const layersSource = program.getSourceFile(layersFile)?.fileName;
  const emitted = new Map<string, string>();
  const result = program.emit(
    undefined,
    (fileName, text) => emitted.set(toPackagePath(fileName), text),
    undefined,
    true,
    { afterDeclarations: [documentLayers(layersSource, docs)] },
  );
  if (result.emitSkipped) {
    const reasons = result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
    throw new Error(`The model API's declarations could not be generated from ${relative(repoRoot, dslFile)}:\n${reasons}`);
  }

  const entry = `${PACKAGE_DIR}/index.d.ts`;
  emitted.set(entry, `export * from './${relative(repoRoot, dslFile).split(sep).join('/').replace(/\.ts$/, '.js')}';\n`);
  const files: Record<string, string> = {
    [`${PACKAGE_DIR}/package.json`]: `${JSON.stringify({ name: 'strata', version: strataVersion(), types: 'index.d.ts' }, null, 2)}\n`,
  };
  for (const path of reachableFrom(entry, emitted)) files[path] = emitted.get(path)!;
  return { files };
}

function toPackagePath(emittedFile: string): string {
  return `${PACKAGE_DIR}/${relative(emitDir, emittedFile).split(sep).join('/')}`;
}

/**
 * The declaration files `entry` imports, directly or through others. Declarations import only
 * what their types mention, so this leaves out the modules the engine needs at run time alone.
 */
function reachableFrom(entry: string, files: ReadonlyMap<string, string>): string[] {
  const seen = new Set<string>();
  const pending = [entry];
  while (pending.length > 0) {
    const path = pending.pop()!;
    if (seen.has(path)) continue;
    const text = files.get(path);
    if (text === undefined) {
      throw new Error(`The model API's declarations import "${path}", which was not generated; expected every import to be a module of the engine.`);
    }
    seen.add(path);
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) {
        throw new Error(`The model API's declarations in "${path}" import the package "${fileName}"; expected them to need nothing outside the engine.`);
      }
      pending.push(posix.join(posix.dirname(path), fileName).replace(/\.js$/, '.d.ts'));
    }
  }
  return [...seen].sort();
}

/** Puts each layer's documentation on its member of the declared `layers` object. */
function documentLayers(sourceFile: string | undefined, docs: ReadonlyMap<string, string>): ts.TransformerFactory<ts.SourceFile | ts.Bundle> {
  return () => (node) => {
    if (!ts.isSourceFile(node) || node.fileName !== sourceFile) return node;
    for (const statement of node.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name) || declaration.name.text !== 'layers') continue;
        if (!declaration.type || !ts.isTypeLiteralNode(declaration.type)) continue;
        for (const member of declaration.type.members) {
          const name = member.name && ts.isIdentifier(member.name) ? member.name.text : undefined;
          const doc = name === undefined ? undefined : docs.get(name);
          if (doc !== undefined) ts.addSyntheticLeadingComment(member, ts.SyntaxKind.MultiLineCommentTrivia, jsDoc(doc), true);
        }
      }
    }
    return node;
  };
}

/** The body of a `/** … *\/` comment (the printer adds the outer slashes). */
function jsDoc(text: string): string {
  const lines = text.split('\n').map((line) => (line === '' ? ' *' : ` * ${line.replace(/\*\//g, '*\\/')}`));
  return `*\n${lines.join('\n')}\n `;
}
