"""Container logistics analytics: journeys of boxes and the cargo detectors (shell game, release
fraud, cloned numbers, smart-container events) and risk per container, as pure functions over
the cargo frames of `balise.model.cargo` and `balise.model.records`. No I/O: the engine reads the
store and calls `balise.cargo.detect.detect_cargo`."""
