"""searoute's maritime network, searched with one shortest-path tree per anchorage.

What: `SeaNetwork().path(a, b)` gives the network nodes (lat, lon) of the shortest way between
two points at sea, each joined to its nearest nodes.

Why: `searoute.searoute` searches once per pair of points, which made the hundreds of routes of
the theatre slow; a Dijkstra tree per anchorage, over the same graph with the same closed passages,
serves all the routes leaving that anchorage.

Source: the maritime network of the `searoute` package (derived from Eurostat's SeaRoute,
https://github.com/eurostat/searoute), with its default closed passage, the North-West Passage.
"""

from __future__ import annotations

import heapq
import math
from typing import Any, Final

import numpy as np

from balise.geo.sphere import haversine_km

__all__ = ["RESTRICTED_PASSAGES", "SeaNetwork"]

RESTRICTED_PASSAGES: Final = ("northwest",)
"""Passages of searoute's network closed to routes: only its default, the North-West Passage."""
_SNAP_NODES: Final = 8
"""Network nodes an anchorage may join the network at (the best one is chosen per route)."""


class SeaNetwork:
    """searoute's maritime network (nodes are (lon, lat) tuples, edge weights in km), searched
    with one shortest-path tree per anchorage so that a port's many routes share one search.

    Same graph and closed passages as `searoute.searoute`, whose search per pair made hundreds of
    routes slow. Where searoute snaps a point to its single nearest node (which can lie across an
    isthmus, or up the Panama Canal from Colón), an anchorage here is joined to its
    `_SNAP_NODES` nearest nodes and the route takes whichever gives the shortest total.
    """

    def __init__(self) -> None:
        import searoute

        graph, _ = searoute.get_graphs()
        closed = set(RESTRICTED_PASSAGES)
        self._edges: dict[Any, list[tuple[Any, float]]] = {
            node: [
                (neighbour, float(edge["weight"]))
                for neighbour, edge in links.items()
                if edge.get("passage") not in closed
            ]
            for node, links in graph.adj.items()
        }
        self._nodes = list(self._edges)
        self._node_lon = np.array([node[0] for node in self._nodes], dtype=np.float64)
        self._node_lat = np.array([node[1] for node in self._nodes], dtype=np.float64)
        self._trees: dict[tuple[float, float], tuple[dict[Any, float], dict[Any, Any]]] = {}

    def path(self, a: tuple[float, float], b: tuple[float, float]) -> list[tuple[float, float]]:
        """Nodes (lat, lon) of the shortest way from point `a` to point `b` over the network."""
        if a not in self._trees:
            self._trees[a] = self._tree(self._near(a))
        best, parents = self._trees[a]
        options = [(best[node] + km, node) for node, km in self._near(b) if node in best]
        if not options:
            return []
        node = min(options)[1]
        nodes = [node]
        while parents[node] is not None:
            node = parents[node]
            nodes.append(node)
        nodes.reverse()
        return [(float(lat), (float(lon) + 180.0) % 360.0 - 180.0) for lon, lat in nodes]

    def _near(self, point: tuple[float, float]) -> list[tuple[Any, float]]:
        """The network nodes nearest `point`, with their great-circle distance in km."""
        km = haversine_km(point[0], point[1], self._node_lat, self._node_lon)
        nearest = np.argsort(km, kind="stable")[:_SNAP_NODES]
        return [(self._nodes[i], float(km[i])) for i in nearest]

    def _tree(self, starts: list[tuple[Any, float]]) -> tuple[dict[Any, float], dict[Any, Any]]:
        """Dijkstra from several start nodes at given distances: each node's best km and parent."""
        best: dict[Any, float] = {}
        parents: dict[Any, Any] = {}
        queue: list[tuple[float, Any]] = []
        for node, km in starts:
            if km < best.get(node, math.inf):
                best[node], parents[node] = km, None
                heapq.heappush(queue, (km, node))
        while queue:
            km, node = heapq.heappop(queue)
            if km > best[node]:
                continue
            for neighbour, weight in self._edges[node]:
                candidate = km + weight
                if candidate < best.get(neighbour, math.inf):
                    best[neighbour] = candidate
                    parents[neighbour] = node
                    heapq.heappush(queue, (candidate, neighbour))
        return best, parents
