"""The customer dashboard's presentation: view-models that format what the views read (the
selectors, the cached feeds in `apps.proxies.services.feeds`) and call nothing that writes or
reaches the upstream. Orders and the "preparing your proxy" panel are billing's (its template
tags render them on the dashboard).

- `builder`   the URL builder's choices (rotation modes with explanations, TTLs, pools)
- `bulk`      bulk URL lists with unique session ids, as text and CSV
- `formats`   the builder's URL in every format, masked until the secret is revealed
- `live`      the incidents, stock and sessions panels
- `page`      the dashboard's state and the context its templates render
"""
