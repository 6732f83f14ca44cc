/**
 * Hover documentation for each member of `layers`. The members are factories built from the
 * layer classes (`Dense: factory(Dense, ['units'])`), so their declared type carries no
 * comment of its own; the documentation a person wants on `layers.Dense` is the `Dense`
 * class's, with how the factory is called.
 */
import ts from 'typescript';

/** An argument a layer factory takes by position, and whether the layer's options may leave it out. */
export interface PositionalArgument {
  name: string;
  optional: boolean;
}

/**
 * The arguments each `LayerFactory` member of `layers` takes by position, so the declarations
 * can spell its call signatures out with their names (`Dense(units, options?)`): the generic
 * factory type alone shows them as `args_0`, `args_1` in parameter hints.
 */
export function layerPositionals(program: ts.Program, layersFile: string): Map<string, PositionalArgument[]> {
  const checker = program.getTypeChecker();
  const layers = layersSymbol(program, layersFile, checker);
  const result = new Map<string, PositionalArgument[]>();
  for (const member of checker.getPropertiesOfType(checker.getTypeOfSymbol(layers))) {
    const type = checker.getTypeOfSymbol(member);
    if (!isLayerFactory(type)) continue;
    const [args, , positional] = checker.getTypeArguments(type);
    const names = positional ? checker.getTypeArguments(positional as ts.TypeReference).map((t) => (t.isStringLiteral() ? t.value : '?')) : [];
    let optional = false;
    result.set(
      member.name,
      names.map((name) => {
        // A parameter after an optional one must be optional too.
        const property = args && checker.getPropertyOfType(args, name);
        optional ||= property === undefined || (property.flags & ts.SymbolFlags.Optional) !== 0;
        return { name, optional };
      }),
    );
  }
  return result;
}

/** Documentation by member name of the `layers` object declared in `layersFile`. */
export function layerDocumentation(program: ts.Program, layersFile: string): Map<string, string> {
  const checker = program.getTypeChecker();
  const layers = layersSymbol(program, layersFile, checker);
  const members = checker.getPropertiesOfType(checker.getTypeOfSymbol(layers));
  const docs = new Map<string, string>();
  for (const member of members) {
    const doc = ownDoc(member, checker) ?? factoryDoc(member, checker);
    if (doc !== undefined) docs.set(member.name, doc);
  }
  // Keras' lowercase functions (`layers.add`) are the functional form of a class (`layers.Add`).
  for (const member of members) {
    if (docs.has(member.name)) continue;
    const className = member.name.charAt(0).toUpperCase() + member.name.slice(1);
    const classDoc = docs.get(className);
    if (classDoc !== undefined) {
      docs.set(member.name, `The functional form of \`layers.${className}\`: makes the layer and calls it on \`inputs\`.\n\n${classDoc}`);
    }
  }
  return docs;
}

function layersSymbol(program: ts.Program, layersFile: string, checker: ts.TypeChecker): ts.Symbol {
  const source = program.getSourceFile(layersFile);
  const moduleSymbol = source && checker.getSymbolAtLocation(source);
  const layers = moduleSymbol && checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'layers');
  if (!layers) throw new Error(`Expected ${layersFile} to export \`layers\`; it does not.`);
  return layers;
}

function text(parts: ts.SymbolDisplayPart[]): string | undefined {
  const joined = ts.displayPartsToString(parts).trim();
  return joined === '' ? undefined : joined;
}

/** A member's own comment, a documented function's, or a class's (`layers.Layer`). */
function ownDoc(member: ts.Symbol, checker: ts.TypeChecker): string | undefined {
  const own = text(member.getDocumentationComment(checker));
  if (own !== undefined) return own;
  const type = checker.getTypeOfSymbol(member);
  if (isLayerFactory(type)) return undefined;
  const signature = type.getCallSignatures()[0];
  if (signature) return text(signature.getDocumentationComment(checker));
  return type.symbol ? text(type.symbol.getDocumentationComment(checker)) : undefined;
}

function isLayerFactory(type: ts.Type): type is ts.TypeReference {
  return (type as ts.TypeReference).target?.symbol?.name === 'LayerFactory';
}

/** `LayerFactory<Args, Class, Positional>`: the class's comment, then the two ways to call it. */
function factoryDoc(member: ts.Symbol, checker: ts.TypeChecker): string | undefined {
  const type = checker.getTypeOfSymbol(member);
  if (!isLayerFactory(type)) return undefined;
  const [, layerClass, positional] = checker.getTypeArguments(type);
  const classDoc = layerClass?.symbol ? text(layerClass.symbol.getDocumentationComment(checker)) : undefined;
  const names = positional ? checker.getTypeArguments(positional as ts.TypeReference).map((t) => (t.isStringLiteral() ? t.value : '?')) : [];
  const call = `\`layers.${member.name}(${[...names, 'options?'].join(', ')})\` or \`layers.${member.name}({ ${[...names, '…'].join(', ')} })\``;
  return classDoc === undefined ? call : `${classDoc}\n\n${call}`;
}
