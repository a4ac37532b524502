"""`manage.py bench`: the app measured at deal-firm scale, each figure beside the floor it is judged against.

``run.measure`` is the whole run; the modules beside it each measure one thing (pages, memos, imports, load) on
the dataset ``dataset.build`` writes in bulk into a scratch database.
"""
