"""Getting data in and keeping it: ORM tables, migrations, importers, bundled default data, loaders."""
