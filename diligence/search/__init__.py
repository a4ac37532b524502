"""One search box over everything a user may see: an index table of what each record says, kept by workers.

``terms`` turns text into the words the index holds (Chinese as overlapping character pairs), ``documents`` says
what each kind of record contributes, ``index`` writes the entries, ``query`` finds them for a user.
"""
