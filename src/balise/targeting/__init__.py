"""Customs risk targeting: a learned model of which import declarations are frauds.

Pure, like `balise.maritime`: no files, no store. `declarations` reads the rows of a declaration
table (the KCS schema with its English header, or Balise's snake-case names) leniently;
`encoding` computes the target statistics of parties, goods and routes (out-of-fold on the
training rows, so that no row sees its own label); `model` trains the gradient-boosted trees, the
calibration and the severity head, scores declarations and words their reasons. The engine
(`balise.engine.targeting`) reads and writes the files.
"""
