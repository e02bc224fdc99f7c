# Certificates for the local cluster, made with openssl (EC P-256). Source it; do not run it.
# make_pki <dir> writes into <dir>:
#   ca.{crt,key}                 cluster CA (client certs, serving certs, CSR signing)
#   front-proxy-ca.{crt,key}     CA of the aggregation layer's front proxy
#   apiserver.{crt,key}          kube-apiserver serving cert (127.0.0.1, 10.96.0.1, localhost, kubernetes.default*)
#   admin, kube-controller-manager, kube-scheduler, kwok, front-proxy-client: client certs
#   kwok-serving.{crt,key}       KWOK's kubelet endpoint (127.0.0.1)
#   sa.{key,pub}                 service-account signing key pair
#   authhook.{crt,key}           the authhook's serving cert (127.0.0.1), also used by the e2e cloud fakes
#   idp.key                      RSA key that signs the fake GitHub, Google and Entra tokens

pki_key() { # pki_key <file>
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

pki_ca() { # pki_ca <dir> <name> <CN>
	pki_key "$1/$2.key"
	openssl req -x509 -new -key "$1/$2.key" -out "$1/$2.crt" -days 3650 -subj "/CN=$3" \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

pki_cert() { # pki_cert <dir> <ca> <name> <subject> <serverAuth|clientAuth> [subjectAltName]
	local dir=$1 ca=$2 name=$3 subj=$4 usage=$5 san=${6:-} ext
	ext=$(mktemp)
	{
		echo "basicConstraints=critical,CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		echo "extendedKeyUsage=$usage"
		[ -n "$san" ] && echo "subjectAltName=$san"
	} >"$ext"
	pki_key "$dir/$name.key"
	openssl req -new -key "$dir/$name.key" -subj "$subj" -out "$dir/$name.csr" 2>/dev/null
	openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.crt" -CAkey "$dir/$ca.key" -CAcreateserial \
		-days 3650 -extfile "$ext" -out "$dir/$name.crt" 2>/dev/null
	rm -f "$ext" "$dir/$name.csr"
}

make_pki() { # make_pki <dir>
	local d=$1
	mkdir -p "$d"
	pki_ca "$d" ca hda-local-ca
	pki_ca "$d" front-proxy-ca hda-front-proxy-ca
	pki_cert "$d" ca apiserver "/CN=kube-apiserver" serverAuth \
		"IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
	pki_cert "$d" ca admin "/O=system:masters/CN=hda-admin" clientAuth
	pki_cert "$d" ca kube-controller-manager "/CN=system:kube-controller-manager" clientAuth
	pki_cert "$d" ca kube-scheduler "/CN=system:kube-scheduler" clientAuth
	# KWOK patches pod and node status and reads its Stage objects' targets: give it admin rights.
	pki_cert "$d" ca kwok "/O=system:masters/CN=kwok-controller" clientAuth
	pki_cert "$d" ca apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" clientAuth
	pki_cert "$d" ca kwok-serving "/CN=kwok-kubelet" serverAuth "IP:127.0.0.1,DNS:localhost"
	pki_cert "$d" front-proxy-ca front-proxy-client "/CN=front-proxy-client" clientAuth
	pki_cert "$d" ca authhook "/CN=hda-authhook" serverAuth "IP:127.0.0.1,DNS:localhost"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$d/idp.key" 2>/dev/null
	pki_key "$d/sa.key"
	openssl pkey -in "$d/sa.key" -pubout -out "$d/sa.pub" 2>/dev/null
	chmod 600 "$d"/*.key
}
