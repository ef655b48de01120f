"""The customer dashboard's helpers: reads and writes the dashboard needs that are not
about one pool key's lifecycle (that lives in `apps.proxies.services` / `selectors`).

- `feeds`     cached stock and incidents (a page load never waits on the upstream)
- `sessions`  the reseller-wide sessions feed, scoped to one customer by sid prefix
- `builder`   the URL builder's choices (rotation modes with explanations, TTLs, pools)
- `bulk`      bulk URL lists with unique session ids, as text and CSV
- `page`      the dashboard's state and the context its templates render
"""
