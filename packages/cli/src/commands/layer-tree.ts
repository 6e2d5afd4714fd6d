/** One layer in the `layers --tree` rendering: its parent ('' for none) and note lines. */
export interface TreeNode {
  id: string;
  parent: string;
  notes: string[];
}

const BASE = '(base)';

/**
 * Renders the forest the way upstream's printTree does (cli.md §3.46): repeatedly pick as root a
 * parent value that is not itself a node (fewest children first; ties in layer order), print it,
 * then its subtree. Returns the lines.
 */
export function renderTree(input: readonly TreeNode[]): string[] {
  let nodes = input.map((n) => ({ ...n, parent: n.parent === '' ? BASE : n.parent }));
  const lines: string[] = [];
  for (;;) {
    const ids = new Set(nodes.map((n) => n.id));
    const childCount = new Map<string, number>();
    for (const n of nodes) if (!ids.has(n.parent)) childCount.set(n.parent, (childCount.get(n.parent) ?? 0) + 1);
    let root: string | undefined;
    for (const [parent, count] of childCount) if (root === undefined || count < childCount.get(root)!) root = parent;
    if (root === undefined) break;
    lines.push(root);
    const printed = new Set<string>();
    printSubtree(root, nodes, 0, new Set(), lines, printed);
    if (printed.size === 0) break;
    nodes = nodes.filter((n) => !printed.has(n.id));
  }
  return lines;
}

function printSubtree(
  parent: string,
  nodes: readonly TreeNode[],
  indent: number,
  continuing: ReadonlySet<number>,
  lines: string[],
  printed: Set<string>,
): void {
  const children = nodes.filter((n) => n.parent === parent && !printed.has(n.id));
  let prefix = '';
  for (let col = 0; col < indent; col++) prefix += continuing.has(col) ? '│' : ' ';
  children.forEach((child, k) => {
    const last = k === children.length - 1;
    printed.add(child.id);
    lines.push(`${prefix}${last ? '└' : '├'}─${child.id}`);
    for (const note of child.notes) lines.push(`${prefix}${last ? ' ' : '│'} ${note}`);
    const next = last ? continuing : new Set([...continuing, indent]);
    printSubtree(child.id, nodes, indent + 2, next, lines, printed);
  });
}
