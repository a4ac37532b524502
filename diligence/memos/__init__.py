"""Memo documents: the frozen snapshot of what a memo shows, its HTML and PDF, and the diff of two snapshots.

The memo job (model, task, views, partner review) lives elsewhere and calls ``build_snapshot``, ``render_memo_html``,
``render_memo_pdf`` and ``stamp_pdf``.
"""
