"""Service layer: each public function is one use case, called by a thin adapter."""
