"""Which card is which across builds: GUIDs and content hashes, the match of a note's new claims
with its lock entry, and the lock file (`deckgen.lock`) that remembers them."""
