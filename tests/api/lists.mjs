// lists.mjs: every item of a paged list, for tests that check whole result sets
// (imports, the maven data) rather than one page.
import assert from 'node:assert/strict';

// GET path page by page (200 a page, following `next`) and return all items.
export async function listAll(client, path) {
  const items = [];
  for (let after = null; ;) {
    const sep = path.includes('?') ? '&' : '?';
    const r = await client.get(`${path}${sep}limit=200${after ? `&after=${encodeURIComponent(after)}` : ''}`);
    assert.equal(r.status, 200, r.text);
    items.push(...r.body.items);
    if (!r.body.next) return items;
    after = r.body.next;
  }
}
