"""The one reader of Python code for both tools: what a piece of code defines, binds, reads and imports."""

import ast
import builtins
import re

DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _parse(source):
    """The syntax tree of ``source``, or None when it is not Python this interpreter can read."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def top_level_definitions(source):
    """{name: source text, decorators included} of the functions and classes ``source`` defines at its top
    level, in order."""
    lines, found = source.splitlines(), {}
    for node in ast.parse(source).body:
        if isinstance(node, DEFINITIONS):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            found[node.name] = "\n".join(lines[first - 1:node.end_lineno])
    return found


def defined_names(source):
    """Names of the top-level functions and classes that ``source`` defines, in order."""
    return list(top_level_definitions(source))


def names_defined_anywhere(source):
    """Functions and classes defined at any depth, and names assigned outside them; for text that is not
    Python, the names after ``def`` and ``class`` at the start of a line."""
    tree = _parse(source)
    if tree is None:
        return set(re.findall(r"^\s*(?:async\s+def|def|class)\s+(\w+)", source, re.M))
    names, todo = set(), list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, DEFINITIONS):
            names.add(node.name)
            todo.extend(n for n in ast.walk(node) if n is not node and isinstance(n, DEFINITIONS))
            continue
        if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name))
        todo.extend(child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt))
    return names


def bound_names(source):
    """Every name that code binds anywhere: assigned, defined or imported (none if it does not parse)."""
    tree = _parse(source)
    if tree is None:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, DEFINITIONS):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    return names


def free_names(source):
    """Names that code reads but never binds (what it needs from elsewhere); none if it does not parse."""
    tree = _parse(source)
    if tree is None:
        return set()
    loaded, bound = set(), set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return loaded - bound


def imported_modules(source):
    """Modules that ``source`` imports anywhere, in order (``from m import n`` gives ``m`` and ``m.n``, which may
    not be a module; relative imports are left out); none if it does not parse (IPython magics)."""
    tree = _parse(source)
    found = []
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [name for name in names if name not in found]
    return found


def imports(source):
    """{bound name: import statement} of the top-level imports of ``source``."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                name = alias.asname or alias.name.split(".")[0]
                found[name] = f"import {alias.name}" + (f" as {alias.asname}" if alias.asname else "")
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                found[alias.asname or alias.name] = f"from {node.module} import {alias.name}" + (
                    f" as {alias.asname}" if alias.asname else "")
    return found
