def test_landing_page_renders_with_brand(client, db):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Storefront" in response.content
