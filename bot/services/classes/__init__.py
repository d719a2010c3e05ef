"""Classes registered by a teacher: the class and its pupils, the roster read from text or files,
and the class export."""
