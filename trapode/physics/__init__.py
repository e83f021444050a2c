"""The symbolic layer: SymPy forms of the field terms, the model derived from them, and closed forms.

Only this package and :mod:`trapode.compile` import SymPy (and the checks of
user field terms in :mod:`trapode.setup.fields`); a run whose model is in the
cache never does.
"""
