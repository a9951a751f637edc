"""Write schemas/raw/<year>.yaml, the delivery contracts, from the codebook (schemas/codebook.yaml + schemas/jaren/)."""
from eenzaamheid import contract

if __name__ == "__main__":
    for path in contract.write_all():
        print(f"wrote {path}")
