"""The local network demo (`make demo`) and the generator of the dataset it replays."""
