"""The cost model over HTTP (docs/cost-model.md): the price list, and a posted design's cost."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from apps.challenges.cost import ASSUMPTIONS, CURRENCY, UNIT, design_cost, price_list
from apps.topology.http import api_methods, json_ok, read_valid_document


@api_methods("GET")
def prices(request: HttpRequest) -> JsonResponse:
    return json_ok({"currency": CURRENCY, "unit": UNIT, "prices": price_list(), "assumptions": ASSUMPTIONS})


@csrf_exempt  # stores nothing: it only prices the posted document
@api_methods("POST")
def cost(request: HttpRequest) -> JsonResponse:
    """200 with the cost of a valid document (warnings allowed); 400 with its errors otherwise."""
    document, failure = read_valid_document(request)
    if failure is not None:
        return failure
    return json_ok({"currency": CURRENCY, **design_cost(document).as_dict()})
