import httpx
def test_probe(live_server, transactional_db):
    assert httpx.get(live_server.url + "/accounts/login/").status_code == 200
