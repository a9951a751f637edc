"""Write schemas/raw/<year>.yaml, the delivery contracts, from the codebook."""
from eenzaamheid import codebook, contract

if __name__ == "__main__":
    for year in codebook.YEARS:
        path = contract.contract_path(year)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(contract.dump(contract.build_contract(year)), encoding="utf-8")
        print(f"wrote {path}")
