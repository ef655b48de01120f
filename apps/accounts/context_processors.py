from .selectors import brand_get


def brand(request) -> dict:
    """The shop's brand on every page (name, colours, contact links): cached, see brand_get."""
    return {"brand": brand_get()}
