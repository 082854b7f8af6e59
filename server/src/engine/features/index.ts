/** The editor features over the engine, as plain data: the language server converts them to LSP. */
export type { FileSpan, TextEditData, FileEdits, Cancel } from './types';
export { locate, type Target, type RefTarget, type RefVia } from './locate';
export { hoverAt, artifactMarkdown, type HoverResult } from './hover';
export { definitionAt, referencesAt, documentHighlights, type ReferencePlace, type Highlight } from './navigation';
export { prepareRenameAt, renameArtifact, invalidNameReason, type PrepareRenameResult, type RenameResult } from './rename';
export { completionsAt, artifactDocumentation, collectionDocumentation, type ArtifactKey, type CompletionData, type CompletionKind } from './completion';
export { codeActionsFor, fixesFor, writeMissingUuids, sortGroupMembers, newUuid, ACTION_KINDS, type CodeActionData, type CodeActionOptions } from './codeActions';
export { codeLensesOf, lensTitle, type CodeLensData } from './codeLens';
export { documentSymbols, workspaceSymbols, fuzzyScore, type SymbolData, type SymbolKind, type WorkspaceSymbolData } from './symbols';
export { semanticTokens, SEMANTIC_TOKEN_TYPES, SEMANTIC_TOKEN_MODIFIERS, type TokenData } from './semanticTokens';
export { documentLinks, type LinkData } from './links';
export { foldingRanges, type FoldData } from './folding';
export { inlayHints, type InlayHintData } from './inlayHints';
export { referencesOf, deploymentsOf, groupsOf, parentsOf, compositeOf, lockEntryOf, primaryFileOf, type ArtifactRef, type Deployment } from './relations';
export { diskRelevance } from './watching';
