"""Intake: what students hand in, before any of it runs. Collecting downloads into nbgrader's layout
(``collect``) and repairing or refusing each submitted file once (``repair``). Nothing here executes a notebook."""
