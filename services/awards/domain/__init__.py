"""Awards rules as plain functions: `checks` (RPC arguments), `prizes` (the prize tables),
`compute` (who wins, pure), `sets` (award sets in the database: drafts, approval, listing),
`budget`, and `documents` (XLSX and PDF files). Nothing here knows nameko."""
