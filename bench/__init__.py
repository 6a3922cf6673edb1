"""`make bench`: the project measured against the physical floor of its own stack.

Every number is a ratio to a floor measured in the same run, on the same
machine, with the runs interleaved (floor, project, floor, project, ...):
these machines are noisy, so a lone absolute time means nothing. Each row
reports the median ratio over rounds and its min-max. `python -m bench
--quick` runs every measurement with tiny counts (the test suite does, so the
benchmark cannot rot); its numbers are not meant to be read.
"""
