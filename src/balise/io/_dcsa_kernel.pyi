def decode(
    views: object,
    buffers: tuple[object, ...],
    kinds: bytes,
    parents: bytes,
    names: bytes,
    name_offsets: bytes,
    /,
) -> tuple[bytes, list[tuple[int, int, int, int, int, int, int]], object, int]: ...
def split(data: bytes, /) -> bytes: ...
