/**
 * The engine's façade: the one import for the language server and the CLI. Nothing here knows
 * of LSP, VS Code or a terminal.
 */
export { Workspace, DEFAULT_MAX_FILE_BYTES, type WorkspaceOptions } from './workspace/workspace';
export { WorkspaceIndex, type ArtifactSite, type CollectionInfo } from './workspace/index';
export type { SourceFile, Model } from './workspace/sourceFile';
export type { Host, HostStat } from './host';
export type { Diagnostic, Severity, DiagnosticData } from './diagnostics/diagnostic';
export { allRules, RULES, severityOf, type RuleInfo } from './diagnostics/codes';
export { LineIndex, type Position, type Range, type Span } from './text/lineIndex';
export { fileKindOf, isManifestName, MANIFEST_NAMES, type FileKind } from './model/fileKind';
export { parseRef, parseLockKey, isUuid, slugify, stripExtension } from './model/identity';
