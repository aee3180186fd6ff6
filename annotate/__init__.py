"""Labelling in Label Studio: a local server (`studio`), `push` sentences as tasks, `pull` labels back.

>>> from annotate.push import push
>>> from annotate.pull import pull, rebuild   # rebuild: re-compute from a stored export.json
"""
