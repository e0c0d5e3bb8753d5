"""NumPy array types shared by the typed code: one name per element type.

The detectors, the geography and the readers pass columns as NumPy arrays between small
functions; these aliases say which element type each array holds (`npt.NDArray[np.float64]` is
long to repeat and was defined under a dozen names in as many modules).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
"""Floating-point values: coordinates (degrees), distances, hours, speeds."""
IntArray = npt.NDArray[np.int64]
"""Integers: row numbers, microseconds since the epoch, codes."""
BoolArray = npt.NDArray[np.bool_]
"""Masks: which rows hold a condition."""
UInt8Array = npt.NDArray[np.uint8]
"""Bytes: characters of NMEA text and 6-bit AIS payload codes."""
ObjectArray = npt.NDArray[np.object_]
"""Python objects, such as texts that may be None."""
