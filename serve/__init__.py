"""docrag's servers over one Library: the web app and HTTP API, and the MCP server (serve.mcp_server)."""
