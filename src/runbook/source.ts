// What the runbook reads a version through: folder listings and JSON files by tree path
// (FolderReader). A finished version is read with a VersionReader (which has exactly this
// shape); the tree a snapshot is still building is read with a TreeFolder over the collectors'
// folders and the object sink they wrote into. So the same generator serves
// `snap runbook VERSION` and `snap commit`, from the same kind of input.
import type { FolderReader } from '../collectors/types.js';

export type RunbookSource = FolderReader;
