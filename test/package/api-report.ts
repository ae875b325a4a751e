// The published API surface, as text: every name each package entry exports, with the public
// members of its classes and interfaces and the signatures of its functions. Members marked
// @internal (stripped from the published .d.ts by `stripInternal`) and private ones are left
// out. test/package/api-report.test.ts compares it with the committed report, so the surface
// changes only on purpose: `npm run api:report` rewrites the report after a deliberate change.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

/** Package entry (as users import it) → source file. */
export const API_ENTRIES: Readonly<Record<string, string>> = {
  cqlwire: 'src/index.ts',
  'cqlwire/protocol': 'protocol/index.ts',
  'cqlwire/testing': 'src/testing/index.ts',
  'cqlwire/mapper': 'src/mapper/index.ts',
  'cqlwire/otel': 'src/otel/index.ts',
};

/** Where the committed report lives. */
export const API_REPORT_PATH = join(ROOT, 'test/package/api-report.txt');

const isInternal = (node: ts.Node): boolean => ts.getJSDocTags(node).some((t) => t.tagName.text === 'internal');

function hidden(member: ts.ClassElement | ts.TypeElement): boolean {
  if (isInternal(member)) return true;
  const flags = ts.getCombinedModifierFlags(member as ts.Declaration);
  if (flags & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) return true;
  return member.name !== undefined && ts.isPrivateIdentifier(member.name);
}

/** The API report of every entry, one block per entry. */
export function apiReport(): string {
  const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.build.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined });
  if (!config) throw new Error('cannot read tsconfig.build.json');
  const program = ts.createProgram(Object.values(API_ENTRIES).map((f) => join(ROOT, f)), config.options);
  const checker = program.getTypeChecker();
  const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseSingleQuotesForStringLiteralType;
  const typeText = (node: ts.Node): string => checker.typeToString(checker.getTypeAtLocation(node), node, flags);
  const signatureText = (decl: ts.SignatureDeclaration): string => {
    const sig = checker.getSignatureFromDeclaration(decl);
    return sig ? checker.signatureToString(sig, decl, flags) : '(?)';
  };
  const memberLine = (m: ts.ClassElement | ts.TypeElement): string | undefined => {
    if (hidden(m)) return undefined;
    const name = m.name ? m.name.getText() : '';
    const isStatic = ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
    const pre = `  ${isStatic ? 'static ' : ''}`;
    const readonly = ts.canHaveModifiers(m) && (ts.getModifiers(m) ?? []).some((x) => x.kind === ts.SyntaxKind.ReadonlyKeyword) ? 'readonly ' : '';
    if (ts.isConstructorDeclaration(m)) return `${pre}constructor${signatureText(m)}`;
    // An overloaded method's implementation signature is not part of the published .d.ts.
    if (ts.isMethodDeclaration(m) && m.body !== undefined && ts.isClassLike(m.parent) && m.parent.members.some((o: ts.ClassElement) => o !== m && ts.isMethodDeclaration(o) && o.body === undefined && o.name.getText() === name)) return undefined;
    if (ts.isMethodDeclaration(m) || ts.isMethodSignature(m)) return `${pre}${name}${m.questionToken ? '?' : ''}${signatureText(m)}`;
    if (ts.isGetAccessorDeclaration(m)) return `${pre}get ${name}(): ${checker.typeToString(checker.getReturnTypeOfSignature(checker.getSignatureFromDeclaration(m)!), m, flags)}`;
    if (ts.isSetAccessorDeclaration(m)) return `${pre}set ${name}${signatureText(m)}`;
    if (ts.isPropertyDeclaration(m) || ts.isPropertySignature(m)) return `${pre}${readonly}${name}${m.questionToken ? '?' : ''}: ${typeText(m)}`;
    if (ts.isCallSignatureDeclaration(m) || ts.isConstructSignatureDeclaration(m) || ts.isIndexSignatureDeclaration(m)) return `${pre}${m.getText().replace(/\s+/g, ' ')}`;
    return undefined;
  };
  const heritage = (d: ts.ClassDeclaration | ts.InterfaceDeclaration): string =>
    (d.heritageClauses ?? []).map((h) => ` ${h.token === ts.SyntaxKind.ExtendsKeyword ? 'extends' : 'implements'} ${h.types.map((t) => t.getText()).join(', ')}`).join('');
  const typeParams = (d: { typeParameters?: ts.NodeArray<ts.TypeParameterDeclaration> }): string => (d.typeParameters ? `<${d.typeParameters.map((p) => p.getText()).join(', ')}>` : '');

  const out: string[] = [];
  for (const [entry, file] of Object.entries(API_ENTRIES)) {
    const source = program.getSourceFile(join(ROOT, file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`no module for ${file}`);
    out.push(`# ${entry}`, '');
    const exports = checker.getExportsOfModule(moduleSymbol).sort((a, b) => a.name.localeCompare(b.name));
    for (const exported of exports) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      for (const d of symbol.declarations ?? []) {
        if (ts.isClassDeclaration(d)) {
          out.push(`class ${exported.name}${typeParams(d)}${heritage(d)}`, ...d.members.map(memberLine).filter((l): l is string => l !== undefined));
        } else if (ts.isInterfaceDeclaration(d)) {
          out.push(`interface ${exported.name}${typeParams(d)}${heritage(d)}`, ...d.members.map(memberLine).filter((l): l is string => l !== undefined));
        } else if (ts.isTypeAliasDeclaration(d)) {
          out.push(`type ${exported.name}${typeParams(d)} = ${d.type.getText().replace(/\s+/g, ' ')}`);
        } else if (ts.isFunctionDeclaration(d)) {
          if (d.body === undefined && (symbol.declarations ?? []).length > 1) continue; // overload list: the signatures follow
          out.push(`function ${exported.name}${signatureText(d)}`);
        } else if (ts.isVariableDeclaration(d)) {
          out.push(`const ${exported.name}: ${typeText(d)}`);
        } else if (ts.isEnumDeclaration(d)) {
          out.push(`enum ${exported.name}`);
        } else if (ts.isModuleDeclaration(d)) {
          continue; // a namespace merged with a const or type of the same name
        } else {
          out.push(`${ts.SyntaxKind[d.kind]} ${exported.name}`);
        }
      }
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const report = apiReport();
  if (process.argv.includes('--check')) {
    const committed = readFileSync(API_REPORT_PATH, 'utf8');
    if (committed !== report) {
      console.error('the API surface differs from test/package/api-report.txt; run `npm run api:report` if the change is deliberate');
      process.exit(1);
    }
  } else {
    writeFileSync(API_REPORT_PATH, report);
    console.log(`wrote ${API_REPORT_PATH}`);
  }
}
