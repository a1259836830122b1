"""Evidence without exposure: anonymous counts, the supervisors' dashboard and exports.

- ``counts``: the daily count table, written when things happen (so deleting messages later
  never changes a statistic);
- ``contacts``, ``bot_turns``, ``wrapups``, ``survey``: what each event adds to the counts;
- ``tables``: the weekly or monthly tables the dashboard draws and the exports publish;
- ``suppression``: small cells (fewer than 5) hidden, with complementary cells;
- ``exports``: CSV and JSON of suppressed tables only; ``wellbeing``: counsellors' shifts.

Nothing here reads a message body, a note, a number or a case code.
"""
