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
import { layerDocumentation, layerPositionals, type PositionalArgument } from './layer-docs.js';

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
  const positionals = layerPositionals(program, layersFile);
  const layersSource = program.getSourceFile(layersFile)?.fileName;
  const emitted = new Map<string, string>();
  const result = program.emit(
    undefined,
    (fileName, text) => emitted.set(toPackagePath(fileName), text),
    undefined,
    true,
    { afterDeclarations: [documentLayers(layersSource, docs, positionals)] },
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

/**
 * Puts each layer's documentation on its member of the declared `layers` object, and spells out
 * each factory's call signatures with its arguments' names, documented, so that hover and
 * parameter hints in the editor read `Dense(units, options?)`.
 */
function documentLayers(
  sourceFile: string | undefined,
  docs: ReadonlyMap<string, string>,
  positionals: ReadonlyMap<string, PositionalArgument[]>,
): ts.TransformerFactory<ts.SourceFile | ts.Bundle> {
  return (context) => (node) => {
    if (!ts.isSourceFile(node) || node.fileName !== sourceFile) return node;
    const visit = (child: ts.Node): ts.Node => {
      if (ts.isPropertySignature(child) && ts.isIdentifier(child.name)) {
        const name = child.name.text;
        const doc = docs.get(name);
        const positional = positionals.get(name);
        const type = positional && child.type ? factorySignatures(child.type, positional, doc) : child.type;
        const member = ts.factory.updatePropertySignature(child, child.modifiers, child.name, child.questionToken, type);
        if (doc !== undefined) ts.addSyntheticLeadingComment(member, ts.SyntaxKind.MultiLineCommentTrivia, jsDoc(doc), true);
        return member;
      }
      return ts.visitEachChild(child, visit, context);
    };
    return ts.visitEachChild(node, (statement) => (isLayersDeclaration(statement) ? ts.visitEachChild(statement, visit, context) : statement), context);
  };
}

function isLayersDeclaration(statement: ts.Node): boolean {
  return ts.isVariableStatement(statement) && statement.declarationList.declarations.some((d) => ts.isIdentifier(d.name) && d.name.text === 'layers');
}

/**
 * `LayerFactory<Args, Class, readonly ["units"]>` as the type literal it stands for:
 * `{ (units: Args["units"], options?: Omit<Args, "units">): Class; (options: Args): Class; readonly positional: … }`.
 */
function factorySignatures(type: ts.TypeNode, positional: PositionalArgument[], doc: string | undefined): ts.TypeNode {
  const typeArguments = ts.isImportTypeNode(type) || ts.isTypeReferenceNode(type) ? type.typeArguments : undefined;
  if (!typeArguments || typeArguments.length !== 3) return type;
  const [args, layerClass, names] = typeArguments as unknown as [ts.TypeNode, ts.TypeNode, ts.TypeNode];
  const f = ts.factory;
  const question = (optional: boolean) => (optional ? f.createToken(ts.SyntaxKind.QuestionToken) : undefined);
  const parameter = (name: string, optional: boolean, parameterType: ts.TypeNode) =>
    f.createParameterDeclaration(undefined, undefined, name, question(optional), parameterType);
  const literal = (name: string) => f.createLiteralTypeNode(f.createStringLiteral(name));
  const documented = <T extends ts.Node>(member: T): T => {
    if (doc !== undefined) ts.addSyntheticLeadingComment(member, ts.SyntaxKind.MultiLineCommentTrivia, jsDoc(doc), true);
    return member;
  };
  const members: ts.TypeElement[] = [];
  if (positional.length > 0) {
    const byPosition = positional.map((p) => parameter(p.name, p.optional, f.createIndexedAccessTypeNode(args, literal(p.name))));
    const rest = f.createTypeReferenceNode('Omit', [args, f.createUnionTypeNode(positional.map((p) => literal(p.name)))]);
    members.push(documented(f.createCallSignature(undefined, [...byPosition, parameter('options', true, rest)], layerClass)));
  }
  members.push(documented(f.createCallSignature(undefined, [parameter('options', positional.length === 0, args)], layerClass)));
  members.push(
    f.createPropertySignature([f.createModifier(ts.SyntaxKind.ReadonlyKeyword)], 'positional', undefined, names),
  );
  return f.createTypeLiteralNode(members);
}

/** The body of a `/** … *\/` comment (the printer adds the outer slashes). */
function jsDoc(text: string): string {
  const lines = text.split('\n').map((line) => (line === '' ? ' *' : ` * ${line.replace(/\*\//g, '*\\/')}`));
  return `*\n${lines.join('\n')}\n `;
}
