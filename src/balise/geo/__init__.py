"""Geography, offline: spherical maths, the GLOBE land mask and distance to shore, ports and
anchorages, the UN/LOCODE gazetteer, watch zones and the sun's elevation."""
