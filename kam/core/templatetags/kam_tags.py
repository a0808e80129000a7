from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """{{ mapping|get_item:key }} for dicts in templates."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (pagination links keep the filters)."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else None
    if query is None:
        from django.http import QueryDict

        query = QueryDict(mutable=True)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.filter
def query_pairs(query: str, drop: str = "") -> list[tuple[str, str]]:
    """{% for k, v in query|query_pairs:"core,page" %}: an urlencoded query as (name, value) pairs, for the hidden
    fields of a GET form (the export's "包含核心数据" choice keeps the list's filters); `drop` names to leave out."""
    from django.http import QueryDict

    left_out = {name for name in drop.split(",") if name}
    return [(k, v) for k, values in QueryDict(query or "").lists() if k not in left_out for v in values]
