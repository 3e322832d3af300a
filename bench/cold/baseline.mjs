// Cold start baseline: a Node process that imports nothing.
