import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { generateModelApiDeclarations } from '../../../electron/host/model-api/generate.js';
import { modelApiDeclarations, parseDeclarations } from '../../../electron/host/model-api/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const exampleFiles = [
  ...readdirSync(join(root, 'examples/seeds')).map((f) => join(root, 'examples/seeds', f)),
  ...readdirSync(join(root, 'examples')).map((f) => join(root, 'examples', f)),
].filter((f) => f.endsWith('.ts'));

const declarations = generateModelApiDeclarations();

/**
 * Type-checks model files the way the code editor does: the declarations mounted at the root of
 * a virtual file system, Node-style module resolution, the standard library and nothing else.
 */
function typeErrors(models: Record<string, string>): Array<{ file: string; line: number; message: string }> {
  const virtual = new Map<string, string>();
  for (const [path, text] of Object.entries(declarations.files)) virtual.set(`/${path}`, text);
  for (const [path, text] of Object.entries(models)) virtual.set(path, text);

  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    noEmit: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const realGetSourceFile = host.getSourceFile.bind(host);
  const realFileExists = host.fileExists.bind(host);
  const realReadFile = host.readFile.bind(host);
  host.getSourceFile = (name, language) => {
    const text = virtual.get(name);
    return text === undefined ? realGetSourceFile(name, language) : ts.createSourceFile(name, text, language);
  };
  host.fileExists = (name) => virtual.has(name) || (!name.startsWith('/node_modules/') && realFileExists(name));
  host.readFile = (name) => virtual.get(name) ?? realReadFile(name);
  host.directoryExists = (name) => [...virtual.keys()].some((path) => path.startsWith(`${name}/`)) || ts.sys.directoryExists(name);

  const program = ts.createProgram(Object.keys(models), options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ({
    file: d.file?.fileName ?? '',
    line: d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0,
    message: ts.flattenDiagnosticMessageText(d.messageText, '\n'),
  }));
}

describe('the model API declarations for the code editor', () => {
  it('resolve `strata` as a package and type-check every example model without errors', () => {
    const models = Object.fromEntries(exampleFiles.map((f, i) => [`/model_${i}.ts`, readFileSync(f, 'utf8')]));
    expect(Object.keys(models).length).toBeGreaterThan(30);
    expect(typeErrors(models)).toEqual([]);
  });

  it('report a wrong call on the line that makes it', () => {
    const code = [
      "import { Input, Model, layers } from 'strata';",
      'const inputs = Input({ shape: [784] });',
      "const outputs = layers.Dense('x')(inputs);",
      "export default Model({ inputs, outputs, name: 'broken' });",
    ].join('\n');
    const errors = typeErrors({ '/model.ts': code });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ file: '/model.ts', line: 3 });
    expect(errors[0]!.message).toMatch(/string/);
  });

  it('carry the documentation shown on hover, for layers as for the rest of the API', () => {
    const layers = declarations.files['node_modules/strata/electron/engine/layers/index.d.ts']!;
    const dense = layers.slice(0, layers.indexOf('    Dense:'));
    const comment = dense.slice(dense.lastIndexOf('/**'));
    expect(comment).toMatch(/inputs · kernel \+ bias/);
    expect(comment).toContain('`layers.Dense(units, options?)`');
    // Parameter hints name the positional arguments (the generic factory type would say args_0).
    expect(layers).toContain('(units: core.DenseArgs["units"], options?: Omit<core.DenseArgs, "units">): core.Dense;');
    expect(layers).toMatch(/\(filters: conv\.ConvArgs\["filters"\], kernelSize: conv\.ConvArgs\["kernelSize"\], options\?/);
    expect(declarations.files['node_modules/strata/electron/engine/frontends/dsl.d.ts']).toContain('/** `Model({ inputs, outputs, name })`');
  });

  it('are served by the host as the package `strata`', async () => {
    const served = await modelApiDeclarations();
    expect(JSON.parse(served.files['node_modules/strata/package.json']!)).toMatchObject({ name: 'strata', types: 'index.d.ts' });
    expect(served.files['node_modules/strata/index.d.ts']).toBe(declarations.files['node_modules/strata/index.d.ts']);
  });

  it('refuse a written file of the wrong shape, saying where it is and how to rebuild it', () => {
    expect(() => parseDeclarations('{"files": []}', '/app/declarations.json')).toThrow(
      /\/app\/declarations\.json should hold \{ "files": \{ path: text \} \}.*scripts\/model-api-declarations\.mjs/,
    );
    expect(() => parseDeclarations('nope', '/app/declarations.json')).toThrow(/is not JSON/);
  });
});
