"""Scale-out executors for the resolver (Apache Spark); nothing here is imported unless asked for."""
