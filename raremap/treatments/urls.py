from django.urls import path  # noqa: F401  (the sections below add their paths)

app_name = "treatments"

urlpatterns: list = []

# --- the vocabulary: treatment pages, proposals (raremap/treatments/views/vocabulary.py) ---

# --- reports and rankings: a disease's treatments page, report forms (views/reports.py) ---
