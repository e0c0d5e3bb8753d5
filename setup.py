"""The compiled part of Balise: the NMEA kernel (`balise.io._nmea_kernel`), the DCSA Track &
Trace decoder (`balise.io._dcsa_kernel`) and the segmenter's matching
(`balise.maritime._segment_kernel`), plain C99 against the CPython API. Everything else is
declared in pyproject.toml; a C compiler and Python's headers are needed to install from
source."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "balise.io._nmea_kernel",
            sources=["src/balise/io/_nmea_kernel.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra"],
        ),
        Extension(
            "balise.io._dcsa_kernel",
            sources=["src/balise/io/_dcsa_kernel.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra"],
        ),
        # no fused multiply-add: the floats must be those of the Python loop it replaces
        Extension(
            "balise.maritime._segment_kernel",
            sources=["src/balise/maritime/_segment_kernel.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra", "-ffp-contract=off"],
            libraries=["m"],
        ),
    ]
)
