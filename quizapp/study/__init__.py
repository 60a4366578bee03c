"""Study rules: which questions a practice session draws, and when each comes back for review.

Plain Python with no Flask and no database: the learner's history and `now`
are passed in, so the rules are tested on hand-made data and reused anywhere.
"""
