"""Where pooled workers and requests are, for the travel rule: LA centroids and distances.

The centroids in ``data/la_centroids.csv`` are *approximate* (to about 0.05°) centres of
the 22 Welsh local authorities, good enough to compare a worker's base with a request's
area against a radius in kilometres. Postcode districts are kept on the profile for
display but not geocoded: the LA centroid is used for both ends.
"""

from __future__ import annotations

import csv
import math
from functools import cache
from importlib import resources

EARTH_RADIUS_KM = 6371.0088


@cache
def centroids() -> dict[str, tuple[float, float]]:
    """(lat, lon) of each LA by ONS code."""
    text = resources.files("services.pool").joinpath("data/la_centroids.csv").read_text()
    return {r["ons_code"]: (float(r["lat"]), float(r["lon"]))
            for r in csv.DictReader(text.splitlines())}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def bounding_box(lat: float, lon: float, km: float) -> tuple[float, float, float, float]:
    """(min_lat, max_lat, min_lon, max_lon) enclosing a circle of ``km`` around a point."""
    dlat = km / 111.0
    dlon = km / (111.0 * max(math.cos(math.radians(lat)), 0.01))
    return lat - dlat, lat + dlat, lon - dlon, lon + dlon
