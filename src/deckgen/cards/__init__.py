"""Claims → card faces: what each card shows (question, answer, topic, links), pure.

`faces.py` builds a `Face` from a claim, `render.py` turns faces into the sanitised HTML every
writer shows, `claims.py` runs a note through the rules and the ranking into its `NoteClaims`,
and `empty.py` says why a note gave no card.
"""
