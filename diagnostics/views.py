from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.shortcuts import render

from diagnostics.operator import deployment_state


@staff_member_required
def operator_page(request):
    return render(request, "diagnostics/operator.html", {**admin.site.each_context(request), "title": "Operator's view"})


@staff_member_required
def operator_state(request):
    return JsonResponse(deployment_state())
