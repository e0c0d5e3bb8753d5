"""Pure maritime cores: cleaning now; segmentation and behaviour detectors next. No I/O here."""
