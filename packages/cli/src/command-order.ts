/** Primary command names in the order of the global help (cli.md Appendix A). */
export const COMMAND_ORDER: readonly string[] = [
  'check', 'config', 'container', 'list-container-data', 'get-container-data', 'get-container-data-size',
  'get-container-data-digest', 'set-container-data', 'get-container-dir', 'get-container-run-dir',
  'container-parent-owners', 'containers', 'copy', 'create-storage-layer', 'create-layer', 'import-layer',
  'create-image', 'create-container', 'dedup', 'delete', 'delete-layer', 'delete-image', 'delete-container',
  'changes', 'diffsize', 'diff', 'applydiff', 'applydiff-using-staging-dir', 'exists', 'gc', 'image',
  'list-image-data', 'get-image-data', 'get-image-data-size', 'get-image-data-digest', 'set-image-data',
  'get-image-dir', 'get-image-run-dir', 'images', 'images-by-digest', 'layer', 'layer-parent-owners',
  'list-layer-data', 'get-layer-data', 'set-layer-data', 'layers', 'storage-layers', 'metadata', 'set-metadata',
  'mount', 'unmount', 'mounted', 'get-names', 'add-names', 'remove-names', 'set-names', 'shutdown', 'status',
  'unshare', 'version', 'wipe',
];
