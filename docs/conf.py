"""Sphinx configuration of torchseq's documentation: the Markdown guide (myst-parser) and the API reference
built from the docstrings (autodoc, napoleon for the Args sections).

    python -m pip install -e ".[docs]"
    python -m sphinx -W -b html docs docs/_build/html
"""
project = "torchseq"
author = "the torchseq authors"
copyright = "the torchseq authors, MIT license"

extensions = ["myst_parser", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.mathjax"]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "results"]

myst_enable_extensions = ["dollarmath", "amsmath"]
myst_heading_anchors = 3

autodoc_member_order = "bysource"
autodoc_mock_imports = ["triton"]          # the fused kernels' module documents without triton installed
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_typehints = "description"
autodoc_inherit_docstrings = False         # torch.autograd.Function's own docs cite labels of torch's site
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True                   # dataclass fields: one description, not two

html_theme = "alabaster"
html_static_path = []
